import Foundation

/// A plugin's success result as the tests read it: the fields of the CNI result types (0.2.0's
/// `ip4`/`ip6` through 1.1.0's), typed. Decoded with Foundation's `JSONDecoder`, not the suite's
/// own parser, so the check shares no code with the plugins; a renamed key or a changed type
/// fails the decode with the field's path instead of a cast that quietly yields nil.
package struct PluginResult: Decodable {
    package struct Interface: Decodable, Equatable {
        package let name: String
        package let mac: String?
        package let mtu: Int?
        package let sandbox: String?
    }

    package struct IPConfig: Decodable, Equatable {
        package let address: String
        package let gateway: String?
        package let interface: Int?
        /// 0.3.x only.
        package let version: String?
    }

    package struct Route: Decodable, Equatable {
        package let dst: String
        package let gw: String?
        package let mtu: Int?
        package let advmss: Int?
        package let priority: Int?
        package let table: Int?
        package let scope: Int?

        package init(dst: String, gw: String? = nil) {
            self.dst = dst
            self.gw = gw
            mtu = nil
            advmss = nil
            priority = nil
            table = nil
            scope = nil
        }
    }

    package struct DNS: Decodable, Equatable {
        package let nameservers: [String]?
        package let domain: String?
        package let search: [String]?
        package let options: [String]?
    }

    /// 0.2.0's `ip4` / `ip6`.
    package struct LegacyIP: Decodable, Equatable {
        package let ip: String
        package let gateway: String?
        package let routes: [Route]?
    }

    package let cniVersion: String?
    package let interfaces: [Interface]?
    package let ips: [IPConfig]?
    package let routes: [Route]?
    package let dns: DNS?
    package let ip4: LegacyIP?
    package let ip6: LegacyIP?

    /// The output it was decoded from (what a runtime passes on as `prevResult`).
    package private(set) var text = ""

    private enum CodingKeys: String, CodingKey {
        case cniVersion, interfaces, ips, routes, dns, ip4, ip6
    }

    /// The interface names in order ([] when there are none).
    package var interfaceNames: [String] { (interfaces ?? []).map(\.name) }

    /// Decodes a plugin's success output.
    package static func decode(_ text: String) throws -> PluginResult {
        var result = try PluginRun.decode(PluginResult.self, from: text)
        result.text = text
        return result
    }
}

/// A plugin's error object (the CNI spec's `code`, `msg`, `details`).
package struct PluginErrorOutput: Decodable, Equatable {
    package let cniVersion: String?
    package let code: Int
    package let msg: String
    package let details: String?
}

extension PluginRun {
    /// Decodes a plugin's output (a result or an error object) as `type`, with Foundation's decoder.
    package static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
