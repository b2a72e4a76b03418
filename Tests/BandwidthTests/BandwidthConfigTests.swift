import BandwidthIFB
import CNINetlink
import CNIProtocol
import CNIValues
import XCTest

@testable import BandwidthPlugin

/// Config decoding, precedence, validation texts and the tbf arithmetic: pure, no root.
final class BandwidthConfigTests: XCTestCase {
    private func config(_ text: String) throws -> BandwidthConfig {
        guard case .object(let o) = try JSONParser.parse(Array(text.utf8)) else { throw CNIError.invalidConfig("not an object") }
        return try BandwidthConfig(json: o, network: "cbr0")
    }

    private func failure(_ text: String) -> CNIError? {
        do {
            _ = try config(text)
            return nil
        } catch {
            return error as? CNIError
        }
    }

    func testContainerdCapitalisedAndCRIOLowerCaseKeysReadTheSame() throws {
        let containerd = try config(#"{"runtimeConfig":{"bandwidth":{"IngressRate":8000000,"IngressBurst":800000,"EgressRate":0,"EgressBurst":0}}}"#)
        let crio = try config(#"{"runtimeConfig":{"bandwidth":{"ingressRate":8000000,"ingressBurst":800000,"egressRate":0,"egressBurst":0}}}"#)
        XCTAssertEqual(containerd.limits, BandwidthLimits(ingressRate: 8_000_000, ingressBurst: 800_000))
        XCTAssertEqual(containerd.limits, crio.limits)
        XCTAssertTrue(containerd.shaping?.shapesIngress ?? false)
        XCTAssertFalse(containerd.shaping?.shapesEgress ?? true)
    }

    func testTopLevelEntryWinsWheneverAnyOfItsKeysIsPresentEvenZero() throws {
        let c = try config(#"{"ingressRate":0,"runtimeConfig":{"bandwidth":{"egressRate":1000,"egressBurst":1000}}}"#)
        XCTAssertEqual(c.limits, BandwidthLimits())
        XCTAssertNil(c.shaping)
        let runtime = try config(#"{"runtimeConfig":{"bandwidth":{"egressRate":1000,"egressBurst":1000}}}"#)
        XCTAssertEqual(runtime.limits, BandwidthLimits(egressRate: 1000, egressBurst: 1000))
        XCTAssertNil(try config(#"{"runtimeConfig":{}}"#).limits)
    }

    func testValidationTextsAreTheReferences() {
        XCTAssertEqual(failure(#"{"ingressRate":1000}"#)?.msg, "if rate is set, burst must also be set")
        XCTAssertEqual(failure(#"{"egressBurst":1000}"#)?.msg, "if burst is set, rate must also be set")
        XCTAssertEqual(failure(#"{"ingressRate":1000,"ingressBurst":34359738360}"#)?.msg, "burst cannot be more than 4GB")
        XCTAssertEqual(failure(#"{"ingressRate":1000,"ingressBurst":34359738360}"#)?.code, CNIError.internalError)
        XCTAssertNil(failure(#"{"ingressRate":1000,"ingressBurst":34359738359}"#))
        XCTAssertEqual(BandwidthLimits.largestBurst, 34_359_738_359)
        XCTAssertNotNil(failure(#"{"ingressRate":-1,"ingressBurst":1}"#))
        XCTAssertNotNil(failure(#"{"ingressRate":"1M","ingressBurst":1}"#))
    }

    func testIFBNameIsTheReferences() {
        XCTAssertEqual(ShapingIFBName.of(network: "cbr0", containerID: "c1"), "bwp68f1f1eeb62c")
        XCTAssertTrue(ShapingIFBName.matches("bwp68f1f1eeb62c"))
        XCTAssertFalse(ShapingIFBName.matches("bwp68f1f1eeb62"))
        XCTAssertFalse(ShapingIFBName.matches("bwp68f1f1eeb62X"))
        XCTAssertFalse(ShapingIFBName.matches("ifb0"))
    }

    func testPschedClock() {
        XCTAssertEqual(TokenBucketPlan(psched: "000003e8 00000040 000f4240 3b9aca00\n")?.ticksPerMicrosecond, 15.625)
        XCTAssertEqual(TokenBucketPlan(psched: "00000001 00000001 3b9aca00 3b9aca00\n")?.ticksPerMicrosecond, 1000)
        XCTAssertNil(TokenBucketPlan(psched: "garbage"))
        XCTAssertNil(TokenBucketPlan(psched: "000003e8 00000000 000f4240 3b9aca00"))
    }

    private let plan = TokenBucketPlan(ticksPerMicrosecond: 15.625)

    func testOrdinaryValuesAreTheReferences() {
        // tc: rate 8Mbit burst 100000b lat 25ms
        XCTAssertEqual(plan.bucket(rate: 8_000_000, burst: 800_000), TokenBucket(rate: 1_000_000, limit: 125_000, buffer: 1_562_500))
        // tc: rate 16Mbit burst 200000b lat 25ms
        XCTAssertEqual(plan.bucket(rate: 16_000_000, burst: 1_600_000), TokenBucket(rate: 2_000_000, limit: 250_000, buffer: 1_562_500))
        // 1 kbit, 10 Gbit
        XCTAssertEqual(plan.bucket(rate: 1000, burst: 80_000), TokenBucket(rate: 125, limit: 10_003, buffer: 1_250_000_000))
        XCTAssertEqual(plan.bucket(rate: 10_000_000_000, burst: 80_000_000),
                       TokenBucket(rate: 1_250_000_000, limit: 41_250_000, buffer: 125_000))
        // 40 Gbit needs TCA_TBF_RATE64
        XCTAssertEqual(plan.bucket(rate: 40_000_000_000, burst: 8_000_000).rate, 5_000_000_000)
    }

    func testRuntimeDefaultBurstsSaturateInsteadOfWrapping() {
        // containerd "1M": burst MaxUint32 bits; the burst time fits, the ticks do not.
        XCTAssertEqual(plan.bucket(rate: 1_000_000, burst: 4_294_967_295),
                       TokenBucket(rate: 125_000, limit: 536_874_036, buffer: UInt32.max))
        // CRI-O "1M": burst MaxUint32*8-1 bits; the limit sum overflows 32 bits.
        XCTAssertEqual(plan.bucket(rate: 1_000_000, burst: 34_359_738_359),
                       TokenBucket(rate: 125_000, limit: UInt32.max, buffer: UInt32.max))
        // containerd "100M": everything fits (the reference's value).
        XCTAssertEqual(plan.bucket(rate: 100_000_000, burst: 4_294_967_295),
                       TokenBucket(rate: 12_500_000, limit: 537_183_411, buffer: 671_088_625))
    }
}
