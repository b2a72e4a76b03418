import XCTest

final class CNIProtocolTestsPlaceholder: XCTestCase {}
