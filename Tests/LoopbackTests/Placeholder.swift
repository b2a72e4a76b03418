import XCTest

final class LoopbackTestsPlaceholder: XCTestCase {}
