import XCTest

final class ReliabilityPlaceholder: XCTestCase {}
