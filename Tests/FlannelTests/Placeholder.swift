import XCTest

final class FlannelTestsPlaceholder: XCTestCase {}
