import XCTest

final class HostLocalTestsPlaceholder: XCTestCase {}
