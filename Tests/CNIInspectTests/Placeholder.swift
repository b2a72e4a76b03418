import XCTest

final class CNIInspectPlaceholder: XCTestCase {}
