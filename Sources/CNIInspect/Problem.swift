/// One thing wrong on the node, grouped by its cause: everything a gone container left behind
/// (reservations, saved config, rules) is one problem, with the steps that clean it up.
public struct Problem: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// A container whose pod is gone left several things behind (netns deleted without CNI DEL).
        case staleContainer = "stale-container"
        /// Only reservations remain: IPs allocated to no live pod.
        case leakedIP = "leaked-ip"
        /// Only flannel's saved delegate config remains (e.g. a failed ADD).
        case savedConfigWithoutIP = "saved-config-without-ip"
        /// Only NAT rules remain.
        case staleRules = "stale-rules"
        /// A per-container chain no rule points at and no known container owns.
        case orphanChain = "orphan-chain"
        /// A bandwidth ifb (`bwp…`) that no filter redirects to: its pod went away without a DEL.
        case orphanIFB = "orphan-ifb"
        /// A bridge port whose pod end is in no visible netns.
        case vethWithoutPod = "veth-without-pod"
        /// A pod (or its host veth) whose MTU differs from subnet.env's FLANNEL_MTU.
        case mtuMismatch = "mtu-mismatch"
        /// The bridge's address or MTU disagrees with subnet.env.
        case bridgeMismatch = "bridge-mismatch"
        // Installation (see InstallFinder): why a node has no pod network before any pod exists.
        case noNetworkConfig = "no-network-config"
        case invalidConfig = "invalid-config"
        case shadowedConfig = "shadowed-config"
        case missingPlugin = "missing-plugin"
        case pluginCannotStart = "plugin-cannot-start"
        case unsupportedVersion = "unsupported-cni-version"
        case leaseMissing = "lease-missing"
        case leaseInvalid = "lease-invalid"
        case pluginReplaced = "plugin-replaced"
        case mixedBuilds = "mixed-builds"
        case staleResultCache = "stale-result-cache"
        case abandonedTempFile = "abandoned-temp-file"
    }

    public var kind: Kind
    /// The container ID, veth or bridge name the problem is about.
    public var subject: String
    public var summary: String
    /// One line per thing found (`IP 10.244.1.4 (cbr0, eth0): <file>`).
    public var details: [String]
    /// What removes it, in order (stop at the first failure). Empty when a human must decide.
    public var steps: [CleanupStep]
    /// Suggestions for problems `--fix` leaves alone.
    public var advice: [String]

    public init(kind: Kind, subject: String, summary: String, details: [String] = [], steps: [CleanupStep] = [],
                advice: [String] = []) {
        self.kind = kind
        self.subject = subject
        self.summary = summary
        self.details = details
        self.steps = steps
        self.advice = advice
    }

    /// `--fix` acts only on problems with cleanup steps.
    public var isFixable: Bool { !steps.isEmpty }
}
