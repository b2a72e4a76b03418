// swift-tools-version:6.0
//
// CNI plugin suite for flannel-style pod networking.
//
// Layers (dependencies point down only):
//   cni-plugins (multicall executable)
//   LoopbackPlugin  HostLocalPlugin  BridgePlugin  FlannelPlugin  PortmapPlugin  BandwidthPlugin
//   CNIFirewall (rule model, iptables-restore / nft renderers, scoped reads)
//   CNIProtocol (env, config, results per version, errors, dispatcher, delegation) · FlannelSubnet (subnet.env)
//   · HostLocalStore (host-local's on-disk layout and record format) · BandwidthIFB (the bandwidth plugin's ifb names, orphans)
//   CNINetlink (typed rtnetlink over libmnl)
//   CNISystem (the only place with syscalls) · CNIValues (pure: JSON, IP math, MAC)
//   CMnl (libmnl system module) · CLinux (kernel uapi constants for CNISystem)
//
// The plugins import no Foundation: a static binary stays small.
import PackageDescription

let package = Package(
    name: "swift-cni-plugins",
    products: [
        .executable(name: "cni-plugins", targets: ["cni-plugins"]),
    ],
    targets: [
        .systemLibrary(
            name: "CMnl",
            pkgConfig: "libmnl",
            providers: [.apt(["libmnl-dev"])]
        ),
        .systemLibrary(name: "CLinux"),
        .target(name: "CNIValues"),
        .target(name: "CNISystem", dependencies: ["CLinux"]),
        .target(name: "CNINetlink", dependencies: ["CMnl", "CNISystem", "CNIValues"]),
        .target(name: "CNIProtocol", dependencies: ["CNIValues", "CNISystem"]),
        .target(name: "CNIFirewall", dependencies: ["CNINetlink", "CNIValues", "CNISystem"]),
        .target(name: "LoopbackPlugin", dependencies: ["CNIProtocol", "CNINetlink", "CNISystem"]),
        .target(name: "HostLocalStore", dependencies: ["CNISystem", "CNIValues"]),
        .target(name: "HostLocalPlugin", dependencies: ["CNIProtocol", "CNISystem", "CNIValues", "HostLocalStore"]),
        .target(name: "BridgePlugin", dependencies: ["CNIProtocol", "CNINetlink", "CNIFirewall", "CNISystem"]),
        .target(name: "FlannelSubnet", dependencies: ["CNISystem", "CNIValues"]),
        .target(name: "FlannelPlugin", dependencies: ["CNIProtocol", "CNISystem", "CNIValues", "FlannelSubnet"]),
        .target(name: "PortmapPlugin", dependencies: ["CNIProtocol", "CNINetlink", "CNIFirewall", "CNISystem"]),
        .target(name: "BandwidthIFB", dependencies: ["CNINetlink", "CNIValues"]),
        .target(name: "BandwidthPlugin", dependencies: ["CNIProtocol", "CNINetlink", "CNISystem", "CNIValues", "BandwidthIFB"]),
        .target(name: "CNIRuntime", dependencies: ["CNIProtocol", "CNISystem", "CNIValues"]),
        .target(name: "CNIInspect", dependencies: ["CNIProtocol", "CNINetlink", "CNISystem", "CNIValues", "CNIFirewall", "FlannelSubnet", "HostLocalStore", "BandwidthIFB"]),
        .executableTarget(
            name: "cni-plugins",
            dependencies: ["LoopbackPlugin", "HostLocalPlugin", "BridgePlugin", "FlannelPlugin", "PortmapPlugin", "BandwidthPlugin", "CNIRuntime", "CNIInspect", "CNIProtocol", "CNISystem", "CNIValues"]
        ),
        .target(name: "CNITestSupport", dependencies: ["CNISystem", "CNIValues"]),
        .testTarget(name: "CNIValuesTests", dependencies: ["CNIValues", "CNITestSupport"]),
        .testTarget(name: "CNIProtocolTests", dependencies: ["CNIProtocol", "CNITestSupport"]),
        .testTarget(name: "CNISystemTests", dependencies: ["CNISystem", "CNITestSupport"]),
        .testTarget(name: "CNINetlinkTests", dependencies: ["CNINetlink", "CNITestSupport"]),
        .testTarget(name: "CNIFirewallTests", dependencies: ["CNIFirewall"]),
        .testTarget(name: "LoopbackTests", dependencies: ["LoopbackPlugin", "CNITestSupport"]),
        .testTarget(name: "HostLocalTests", dependencies: ["HostLocalPlugin", "HostLocalStore", "CNITestSupport"]),
        .testTarget(name: "BridgeTests", dependencies: ["BridgePlugin", "CNITestSupport"]),
        .testTarget(name: "FlannelTests", dependencies: ["FlannelPlugin", "FlannelSubnet", "CNITestSupport"]),
        .testTarget(name: "CNIRuntimeTests", dependencies: ["CNIRuntime", "CNITestSupport"]),
        .testTarget(name: "CNIInspectTests", dependencies: ["CNIInspect", "HostLocalStore", "CNITestSupport", "CNIValues"]),
        .testTarget(name: "ReliabilityTests", dependencies: ["CNITestSupport"]),
        .testTarget(name: "PortmapTests", dependencies: ["PortmapPlugin", "CNITestSupport"]),
        .testTarget(name: "BandwidthTests", dependencies: ["BandwidthPlugin", "BandwidthIFB", "CNINetlink", "CNITestSupport", "CNIProtocol", "CNIValues"]),
    ]
)
