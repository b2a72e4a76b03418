import CNIValues

/// A CNI error: printed as `{"code","msg","details"}` on stdout with exit status 1.
public struct CNIError: Error, Equatable, CustomStringConvertible, Sendable {
    public let code: Int
    public let msg: String
    public let details: String

    public init(code: Int, _ msg: String, details: String = "") {
        self.code = code
        self.msg = msg
        self.details = details
    }

    // Well-known codes (SPEC 1.1.0 plus the Go library's 0 and 999).
    public static let unknown = 0
    public static let incompatibleVersion = 1
    public static let unsupportedField = 2
    public static let unknownContainer = 3
    public static let invalidEnvironment = 4
    public static let ioFailure = 5
    public static let decodingFailure = 6
    public static let invalidNetworkConfig = 7
    public static let tryAgainLater = 11
    public static let pluginNotAvailable = 50
    public static let pluginNotAvailableLimitedConnectivity = 51
    public static let internalError = 999

    public static func invalidConfig(_ msg: String, details: String = "") -> CNIError {
        CNIError(code: invalidNetworkConfig, msg, details: details)
    }

    public static func internalFailure(_ msg: String, details: String = "") -> CNIError {
        CNIError(code: internalError, msg, details: details)
    }

    /// Any error as a CNI error: plain errors become code 999 carrying their description.
    public static func from(_ error: any Error) -> CNIError {
        if let e = error as? CNIError { return e }
        return CNIError(code: internalError, String(describing: error))
    }

    /// The JSON object in the Go library's field order.
    public var json: JSONValue {
        var o = JSONObject()
        o["code"] = .int(code)
        o["msg"] = .string(msg)
        if !details.isEmpty { o["details"] = .string(details) }
        return .object(o)
    }

    public var description: String { details.isEmpty ? msg : "\(msg); \(details)" }
}
