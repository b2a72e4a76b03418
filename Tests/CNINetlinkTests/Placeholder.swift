import XCTest

final class CNINetlinkTestsPlaceholder: XCTestCase {}
