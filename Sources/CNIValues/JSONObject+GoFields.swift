/// How Go's `encoding/json` finds the JSON value for a struct field, which is how the reference
/// plugins read every config object they decode into a struct (network config, `ipam`, ranges,
/// routes, `dns`, `runtimeConfig` and its capabilities, `prevResult`): go-cni marshals capability
/// args from structs without JSON tags, so containerd sends `{"HostPort":8080,"ContainerPort":80}`
/// where podman sends `{"hostPort":8080,"containerPort":80}`, and both must read the same.
///
/// `encoding/json` walks the object's keys in document order and assigns each key to the field
/// whose name equals it exactly or, failing that, equals it under Unicode simple case folding
/// (`bytes.EqualFold`). Every key that matches overwrites the field, so when several spellings are
/// present the last one in the document wins; an object value decoded into a field that already
/// holds an object merges into it (struct and map fields are not reset), which `field(_:)` mirrors
/// by concatenating the matching objects in order.
///
/// Maps (`map[string]interface{}`, e.g. flannel's `delegate`, libcni's conflist top level) match
/// exactly: use the subscript there.
extension JSONObject {
    /// The value Go's decoder would assign to a struct field whose JSON name is `name`.
    public func field(_ name: String) -> JSONValue? {
        var found: JSONValue?
        for entry in entries where JSONObject.goFieldMatches(key: entry.key, fieldName: name) {
            if case .object(let later) = entry.value, case .object(let earlier)? = found {
                found = .object(JSONObject(concatenating: earlier, later))
            } else {
                found = entry.value
            }
        }
        return found
    }

    /// Whether a JSON key selects the struct field named `fieldName` (exact, or equal under
    /// simple case folding). Field names are ASCII; beyond ASCII case, simple folding maps only
    /// U+212A KELVIN SIGN to `k` and U+017F LATIN SMALL LETTER LONG S to `s` onto ASCII letters.
    public static func goFieldMatches(key: String, fieldName: String) -> Bool {
        if key == fieldName { return true }
        var a = key.unicodeScalars.makeIterator()
        var b = fieldName.unicodeScalars.makeIterator()
        while true {
            switch (a.next(), b.next()) {
            case (nil, nil):
                return true
            case (let x?, let y?):
                guard foldedASCII(x) == foldedASCII(y), foldedASCII(x) != nil else { return false }
            default:
                return false
            }
        }
    }

    /// The ASCII lower-case letter or character a scalar folds to, nil for any other scalar.
    private static func foldedASCII(_ s: Unicode.Scalar) -> UInt8? {
        switch s.value {
        case 0x41...0x5A: return UInt8(s.value + 0x20)
        case 0x00...0x7F: return UInt8(s.value)
        case 0x212A: return UInt8(ascii: "k")
        case 0x017F: return UInt8(ascii: "s")
        default: return nil
        }
    }
}
