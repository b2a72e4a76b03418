import CNITestSupport
import Foundation

/// A healthy CNI installation in a temp dir for the integration tests that look at something
/// else: a flannel conflist in `<dir>/net.d`, the suite's plugins as CNI_PATH, a cache dir.
enum InstallFixture {
    static func conflist(subnetFile: String?, dataDir: String? = nil, ipamDir: String? = nil, cniVersion: String = "0.3.1") -> String {
        var flannel = #"{"type":"flannel","#
        if let subnetFile { flannel += #""subnetFile":"\#(subnetFile)","# }
        if let dataDir { flannel += #""dataDir":"\#(dataDir)","# }
        if let ipamDir { flannel += #""ipam":{"dataDir":"\#(ipamDir)"},"# }
        flannel += #""delegate":{"hairpinMode":true,"isDefaultGateway":true}}"#
        return #"{"name":"cbr0","cniVersion":"\#(cniVersion)","plugins":[\#(flannel),{"type":"portmap","capabilities":{"portMappings":true}}]}"#
    }

    /// Writes `<dir>/net.d/10-flannel.conflist` and returns the arguments pointing cni-inspect at it.
    static func arguments(in dir: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: dir + "/net.d", withIntermediateDirectories: true)
        try conflist(subnetFile: nil).write(toFile: dir + "/net.d/10-flannel.conflist", atomically: true, encoding: .utf8)
        return ["--netconf-dir", dir + "/net.d", "--cni-path", PluginBinaries.makePluginDir(), "--cache-dir", dir + "/cache"]
    }
}
