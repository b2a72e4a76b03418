import XCTest

final class CNISystemTestsPlaceholder: XCTestCase {}
