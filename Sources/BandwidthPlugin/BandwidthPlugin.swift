import BandwidthIFB
import CNINetlink
import CNIProtocol
import CNISystem
import CNIValues

/// bandwidth: shapes a pod's traffic with tbf (into the pod on the host veth, out of the pod on
/// an ifb the host veth's incoming traffic is redirected to). A chained plugin, after the one that
/// created the veth; tc goes over rtnetlink (no `tc` binary).
public struct BandwidthPlugin: CNIPlugin {
    public let name = "bandwidth"

    public init() {}

    /// The reference supports 0.3.0 and later only.
    static let oldestVersion = CNIVersion.v0_3_0

    public func add(_ context: PluginContext) throws -> CNIResult {
        try Self.checkVersion(context.config)
        let config = try BandwidthConfig(context.config)
        let previous = try context.config.previousResult()
        guard let limits = config.shaping else {
            // The reference panics here when there is no prevResult either; an empty result is printed instead.
            return previous ?? CNIResult()
        }
        guard var result = previous else { throw CNIError.internalFailure("must be called as chained plugin") }
        let host = try Self.hostSocket()
        let veth = try HostVeth.find(context: context, previous: result, host: host)
        let ifbName = ShapingIFBName.of(network: config.network, containerID: context.containerID)
        let shaper = Shaper(socket: host, plan: try Self.plan())
        if let ifb = try shaper.apply(limits, veth: veth, ifbName: ifbName) {
            result.interfaces.append(CNIResult.Interface(name: ifb.name, mac: ifb.mac?.description ?? ""))
        }
        return result
    }

    /// Needs neither CNI_NETNS nor prevResult (it never opens the pod's namespace): removes the
    /// attachment's ifb when it exists. Repeated DELs succeed.
    public func del(_ context: PluginContext) throws {
        try Self.checkVersion(context.config)
        let config = try BandwidthConfig(context.config)
        let ifbName = ShapingIFBName.of(network: config.network, containerID: context.containerID)
        let socket = try Self.hostSocket()
        do {
            guard let link = try socket.link(named: ifbName) else { return }
            try socket.deleteLink(index: link.index)
        } catch let error as NetlinkError where error.errno == .noSuchDevice {
            return  // a concurrent DEL was first
        } catch {
            throw CNIError.internalFailure("delete ifb \(ifbName): \(error)")
        }
    }

    public func check(_ context: PluginContext) throws {
        try Self.checkVersion(context.config)
        let config = try BandwidthConfig(context.config)
        guard let previous = try context.config.previousResult() else {
            throw CNIError.internalFailure("must be called as a chained plugin")
        }
        guard let limits = config.shaping else { return }
        let host = try Self.hostSocket()
        let veth = try HostVeth.find(context: context, previous: previous, host: host)
        let ifbName = ShapingIFBName.of(network: config.network, containerID: context.containerID)
        try ShapingCheck(socket: host, plan: try Self.plan()).verify(limits, veth: veth, ifbName: ifbName)
    }

    /// GC (CNI 1.1): removes ifbs of this plugin's shape that no filter on any link redirects to,
    /// except those of the attachments still in use (an ADD may be between creating its ifb and
    /// its filter). The reference does nothing here.
    public func gc(_ context: PluginContext) throws {
        try Self.checkVersion(context.config)
        let config = try BandwidthConfig(context.config)
        let keep = Set((try context.config.validAttachments() ?? []).map {
            ShapingIFBName.of(network: config.network, containerID: $0.containerID)
        })
        let socket = try Self.hostSocket()
        for orphan in try OrphanIFB.find(socket: socket) where !keep.contains(orphan.name) {
            do {
                try socket.deleteLink(index: orphan.index)
            } catch let error as NetlinkError where error.errno == .noSuchDevice {
                continue
            }
        }
    }

    static func checkVersion(_ config: NetworkConfig) throws(CNIError) {
        guard config.version >= oldestVersion else {
            throw CNIError(code: CNIError.incompatibleVersion, "incompatible CNI versions",
                           details: "config is \"\(config.versionString)\", plugin supports versions from \"\(oldestVersion)\"")
        }
    }

    static func hostSocket() throws(CNIError) -> NetlinkSocket {
        do { return try NetlinkSocket() } catch { throw CNIError.internalFailure("open netlink socket: \(error)") }
    }

    /// The psched clock of this kernel (/proc/net/psched).
    static let pschedPath = "/proc/net/psched"

    static func plan() throws(CNIError) -> TokenBucketPlan {
        let text: String
        do {
            text = String(decoding: try FileSystem.readFile(pschedPath, limit: 4096), as: UTF8.self)
        } catch {
            throw CNIError.internalFailure("read \(pschedPath): \(error)")
        }
        guard let plan = TokenBucketPlan(psched: text) else {
            throw CNIError.internalFailure("read \(pschedPath): unexpected content", details: text)
        }
        return plan
    }
}
