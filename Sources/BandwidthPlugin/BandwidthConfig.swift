import CNIProtocol
import CNIValues

/// Rates in bit/s and bursts in bits, as the reference's `BandwidthEntry`
/// (containernetworking/plugins `plugins/meta/bandwidth/main.go`). "Ingress" is traffic into the
/// pod (shaped on the host veth), "egress" traffic from the pod (redirected to an ifb, shaped there).
package struct BandwidthLimits: Hashable, Sendable {
    package var ingressRate: UInt64
    package var ingressBurst: UInt64
    package var egressRate: UInt64
    package var egressBurst: UInt64

    package init(ingressRate: UInt64 = 0, ingressBurst: UInt64 = 0, egressRate: UInt64 = 0, egressBurst: UInt64 = 0) {
        self.ingressRate = ingressRate
        self.ingressBurst = ingressBurst
        self.egressRate = egressRate
        self.egressBurst = egressBurst
    }

    /// The four keys, as Go's decoder matches them (exact or case-insensitive: containerd sends
    /// `IngressRate`, CRI-O `ingressRate`).
    static let keys = ["ingressRate", "ingressBurst", "egressRate", "egressBurst"]

    /// Shaping of traffic into the pod is asked for.
    package var shapesIngress: Bool { ingressRate > 0 && ingressBurst > 0 }
    /// Shaping of traffic from the pod is asked for.
    package var shapesEgress: Bool { egressRate > 0 && egressBurst > 0 }
    package var isEmpty: Bool { !shapesIngress && !shapesEgress }

    /// Reads the four keys of `object`; nil when none of them is present.
    static func read(_ object: JSONObject, context: String) throws(CNIError) -> BandwidthLimits? {
        guard keys.contains(where: { object.field($0) != nil }) else { return nil }
        var limits = BandwidthLimits()
        limits.ingressRate = try unsigned(object, "ingressRate", context)
        limits.ingressBurst = try unsigned(object, "ingressBurst", context)
        limits.egressRate = try unsigned(object, "egressRate", context)
        limits.egressBurst = try unsigned(object, "egressBurst", context)
        return limits
    }

    /// A Go uint64: a non-negative integer that fits 64 bits; null counts as 0.
    private static func unsigned(_ object: JSONObject, _ key: String, _ context: String) throws(CNIError) -> UInt64 {
        guard let value = object.field(key), !value.isNull else { return 0 }
        guard case .number(let text) = value, let n = UInt64(text) else {
            throw CNIError.internalFailure("failed to load netconf: \(context)\(key) must be an unsigned 64-bit integer, got \(value.typeName == "number" ? JSONSerializer.string(value) : value.typeName)")
        }
        return n
    }

    /// The reference's `validateRateAndBurst`, for ingress then egress (texts kept).
    package func validate() throws(CNIError) {
        try Self.validate(rate: ingressRate, burst: ingressBurst)
        try Self.validate(rate: egressRate, burst: egressBurst)
    }

    /// The largest burst accepted, in bits: burst/8 must stay below 2^32-1 (bytes).
    package static let largestBurst = UInt64(UInt32.max) * 8 - 1

    static func validate(rate: UInt64, burst: UInt64) throws(CNIError) {
        if burst == 0 && rate != 0 { throw CNIError.internalFailure("if rate is set, burst must also be set") }
        if rate == 0 && burst != 0 { throw CNIError.internalFailure("if burst is set, rate must also be set") }
        if burst / 8 >= UInt64(UInt32.max) { throw CNIError.internalFailure("burst cannot be more than 4GB") }
    }
}

/// The bandwidth plugin's configuration: the limits (top-level keys, or `runtimeConfig.bandwidth`
/// filled by the runtime from the pod's annotations) and the network name (part of the ifb's name).
package struct BandwidthConfig: Sendable {
    package var network: String
    /// Nil when no limit is configured at all.
    package var limits: BandwidthLimits?

    package init(network: String, limits: BandwidthLimits?) {
        self.network = network
        self.limits = limits
    }

    /// Precedence as the reference's `getBandwidth`: the top-level entry wins whenever any of its
    /// four keys is present (even as 0), and `runtimeConfig.bandwidth` is then ignored entirely.
    /// Validated on every verb, DEL included, as the reference does.
    package init(json: JSONObject, network: String) throws(CNIError) {
        var limits = try BandwidthLimits.read(json, context: "")
        if limits == nil, let runtime = json.field("runtimeConfig")?.objectValue,
           let entry = runtime.field("bandwidth"), !entry.isNull {
            guard let object = entry.objectValue else {
                throw CNIError.internalFailure("failed to load netconf: runtimeConfig.bandwidth must be an object, got \(entry.typeName)")
            }
            limits = try BandwidthLimits.read(object, context: "runtimeConfig.bandwidth.")
        }
        try limits?.validate()
        self.init(network: network, limits: limits)
    }

    package init(_ config: NetworkConfig) throws(CNIError) {
        try self.init(json: config.json, network: config.name)
    }

    /// The limits when some shaping is asked for.
    package var shaping: BandwidthLimits? {
        guard let limits, !limits.isEmpty else { return nil }
        return limits
    }
}
