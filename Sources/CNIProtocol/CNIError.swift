import CNIValues

/// A CNI error: printed as `{"code","msg","details"}` on stdout with exit status 1.
package struct CNIError: Error, Equatable, CustomStringConvertible, Sendable {
    package let code: Int
    package let msg: String
    package let details: String

    package init(code: Int, _ msg: String, details: String = "") {
        self.code = code
        self.msg = msg
        self.details = details
    }

    // Well-known codes (SPEC 1.1.0 plus the Go library's 0 and 999).
    package static let unknown = 0
    package static let incompatibleVersion = 1
    package static let unsupportedField = 2
    package static let unknownContainer = 3
    package static let invalidEnvironment = 4
    package static let ioFailure = 5
    package static let decodingFailure = 6
    package static let invalidNetworkConfig = 7
    package static let tryAgainLater = 11
    package static let pluginNotAvailable = 50
    package static let pluginNotAvailableLimitedConnectivity = 51
    package static let internalError = 999

    package static func invalidConfig(_ msg: String, details: String = "") -> CNIError {
        CNIError(code: invalidNetworkConfig, msg, details: details)
    }

    package static func internalFailure(_ msg: String, details: String = "") -> CNIError {
        CNIError(code: internalError, msg, details: details)
    }

    /// Any error as a CNI error: plain errors become code 999 carrying their description.
    package static func from(_ error: any Error) -> CNIError {
        if let e = error as? CNIError { return e }
        return CNIError(code: internalError, String(describing: error))
    }

    /// The JSON object in the Go library's field order.
    package var json: JSONValue {
        var o = JSONObject()
        o["code"] = .int(code)
        o["msg"] = .string(msg)
        if !details.isEmpty { o["details"] = .string(details) }
        return .object(o)
    }

    package var description: String { details.isEmpty ? msg : "\(msg); \(details)" }
}
