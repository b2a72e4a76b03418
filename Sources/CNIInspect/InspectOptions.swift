import HostLocalStore

/// `cni-inspect` command-line options (pure parsing).
public struct InspectOptions: Sendable, Equatable {
    public var netns: String?
    public var subnetFile = "/run/flannel/subnet.env"
    public var bridge = "cni0"
    public var ipamDirectory = HostLocalStore.defaultDataDir
    public var network: String?
    public var flannelDirectory = "/var/lib/cni/flannel"
    public var cniPath = "/opt/cni/bin"
    public var json = false
    public var fix = false
    public var assumeYes = false
    public var help = false

    public static let usage = """
        usage: cni-inspect [options]
          Explains this node's flannel/bridge pod network and finds leaks.
          --netns NAME|PATH    inspect this node netns (NAME = /run/netns/NAME) instead of the current one
          --subnet-file PATH   flanneld's lease (default /run/flannel/subnet.env)
          --bridge NAME        the pod bridge (default cni0)
          --ipam-dir DIR       host-local store root (default /var/lib/cni/networks)
          --network NAME       only this network's store and rules (default: all)
          --flannel-dir DIR    flannel's saved delegate configs (default /var/lib/cni/flannel)
          --cni-path DIRS      plugin directories for cleanup DELs (default $CNI_PATH or /opt/cni/bin)
          --json               machine-readable report (stable, sorted keys)
          --fix                clean up the problems found (asks first), then inspect again
          --yes, -y            with --fix: do not ask
        exit status: 0 no problems, 3 problems found (or left after --fix), 1 failure or fix declined, 2 usage

        """

    public struct UsageError: Error, CustomStringConvertible, Sendable, Equatable {
        public let description: String
    }

    public init() {}

    public init(arguments: [String], environment: [String: String] = [:]) throws(UsageError) {
        if let path = environment["CNI_PATH"], !path.isEmpty { cniPath = path }
        var i = 0
        func value(_ name: String, inline: String?) throws(UsageError) -> String {
            if let inline { return inline }
            i += 1
            guard i < arguments.count else { throw UsageError(description: "\(name) needs a value") }
            return arguments[i]
        }
        while i < arguments.count {
            var arg = arguments[i]
            var inline: String?
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                inline = String(arg[arg.index(after: eq)...])
                arg = String(arg[..<eq])
            }
            switch arg {
            case "--netns":
                let v = try value(arg, inline: inline)
                guard !v.isEmpty else { throw UsageError(description: "--netns needs a name or path") }
                netns = v.contains("/") ? v : "/run/netns/" + v
            case "--subnet-file": subnetFile = try value(arg, inline: inline)
            case "--bridge": bridge = try value(arg, inline: inline)
            case "--ipam-dir": ipamDirectory = try value(arg, inline: inline)
            case "--network": network = try value(arg, inline: inline)
            case "--flannel-dir": flannelDirectory = try value(arg, inline: inline)
            case "--cni-path": cniPath = try value(arg, inline: inline)
            case "--json": json = true
            case "--fix": fix = true
            case "--yes", "-y": assumeYes = true
            case "--help", "-h": help = true
            default: throw UsageError(description: "unknown argument \"\(arguments[i])\"")
            }
            i += 1
        }
        if let n = network, n.isEmpty || n.contains("/") || n == "." || n == ".." {
            throw UsageError(description: "invalid network name \"\(n)\"")
        }
        for (name, v) in [("--bridge", bridge), ("--subnet-file", subnetFile), ("--ipam-dir", ipamDirectory),
                          ("--flannel-dir", flannelDirectory)] where v.isEmpty {
            throw UsageError(description: "\(name) must not be empty")
        }
    }
}
