import CNIProtocol
import FlannelSubnet
import HostLocalStore

/// `cni-inspect` command-line options (pure parsing).
public struct InspectOptions: Sendable, Equatable {
    public var netns: String?
    public var subnetFile = FlannelDefaults.subnetFile
    public var bridge = CNIDefaults.bridgeName
    public var ipamDirectory = StoreLayout.defaultDataDir
    public var network: String?
    public var flannelDirectory = FlannelDefaults.dataDirectory
    public var cniPath = CNIDefaults.pluginDirectory
    public var netconfDirectory = CNIDefaults.configDirectory
    public var cacheDirectory = CNIDefaults.cacheDirectory
    public var pluginTimeout = 5.0
    public var json = false
    public var fix = false
    public var assumeYes = false
    public var help = false
    /// The options given on the command line (`--subnet-file`, ...), so that paths the selected
    /// conflist sets are followed unless the operator chose otherwise.
    public var given: Set<String> = []

    public static let usage = """
        usage: cni-inspect [options]
          Says whether this node can give pods a network (first line), why not, and explains its
          flannel/bridge pod network and finds leaks.
          --netns NAME|PATH    inspect this node netns (NAME = /run/netns/NAME) instead of the current one
          --subnet-file PATH   flanneld's lease (default \(FlannelDefaults.subnetFile))
          --bridge NAME        the pod bridge (default \(CNIDefaults.bridgeName))
          --ipam-dir DIR       host-local store root (default \(StoreLayout.defaultDataDir))
          --network NAME       only this network's store and rules (default: all)
          --flannel-dir DIR    flannel's saved delegate configs (default \(FlannelDefaults.dataDirectory))
          --cni-path DIRS      plugin directories (default $CNI_PATH or \(CNIDefaults.pluginDirectory))
          --netconf-dir DIR    the runtime's network config directory (default \(CNIDefaults.configDirectory))
          --cache-dir DIR      libcni's cache directory, results in DIR/results (default \(CNIDefaults.cacheDirectory))
          --plugin-timeout S   seconds a plugin may take to answer VERSION (default 5)
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
            given.insert(arg)
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
            case "--netconf-dir": netconfDirectory = try value(arg, inline: inline)
            case "--cache-dir": cacheDirectory = try value(arg, inline: inline)
            case "--plugin-timeout":
                let v = try value(arg, inline: inline)
                guard let t = Double(v), t > 0, t <= 600 else {
                    throw UsageError(description: "--plugin-timeout needs seconds between 0 and 600, got \"\(v)\"")
                }
                pluginTimeout = t
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
                          ("--flannel-dir", flannelDirectory), ("--netconf-dir", netconfDirectory),
                          ("--cache-dir", cacheDirectory)] where v.isEmpty {
            throw UsageError(description: "\(name) must not be empty")
        }
    }
}
