import CNIValues

extension JSONObject {
    /// Parses `bytes` as a JSON document that must be an object: a config on stdin, a conflist, a
    /// saved delegate config. Both failures are decoding errors (code 6) that start with
    /// `context` (`error unmarshall network config`, ...).
    package init(parsing bytes: [UInt8], context: String) throws(CNIError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw CNIError(code: CNIError.decodingFailure, "\(context): \(error)")
        }
        guard let object = value.objectValue else {
            throw CNIError(code: CNIError.decodingFailure, "\(context): expected an object, got \(value.typeName)")
        }
        self = object
    }
}
