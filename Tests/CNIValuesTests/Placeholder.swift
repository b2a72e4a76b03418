import XCTest

final class CNIValuesTestsPlaceholder: XCTestCase {}
