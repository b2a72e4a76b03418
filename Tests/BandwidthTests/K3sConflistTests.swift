import Foundation
import XCTest

/// conflists/10-flannel-k3s.conflist is byte for byte what k3s writes (`pkg/agent/flannel`,
/// `cniConf` of the Linux build).
final class K3sConflistTests: XCTestCase {
    static let k3s = """
        {
          "name":"cbr0",
          "cniVersion":"1.0.0",
          "plugins":[
            {
              "type":"flannel",
              "delegate":{
                "hairpinMode":true,
                "forceAddress":true,
                "isDefaultGateway":true
              }
            },
            {
              "type":"portmap",
              "capabilities":{
                "portMappings":true
              }
            },
            {
              "type":"bandwidth",
              "capabilities":{
                "bandwidth":true
              }
            }
          ]
        }

        """

    func testK3sConflistIsVerbatim() throws {
        XCTAssertEqual(try String(contentsOfFile: K3sChainTests.conflistPath, encoding: .utf8), Self.k3s)
    }
}
