import XCTest

final class CNIFirewallTestsPlaceholder: XCTestCase {}
