import XCTest

final class PortmapTestsPlaceholder: XCTestCase {}
