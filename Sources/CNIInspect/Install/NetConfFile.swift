import CNIValues

/// One file of the network config directory, parsed the way libcni parses it
/// (`containernetworking/cni:libcni/conf.go`): a `.conflist` through `NetworkConfFromBytes`
/// (an object with a string `name`, a `plugins` array of objects each with a `type`), a `.conf`
/// or `.json` through `ConfFromBytes` (one plugin object with a `type`), upconverted to a list.
/// Pure: the bytes are read by `InstallCollector`.
struct NetConfFile: Sendable, Equatable {
    enum Format: String, Sendable, Equatable {
        case conflist, conf, json
    }

    /// Why libcni refuses the file, with the JSON error's position when it is a syntax error.
    struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        var message: String
        /// 1-based, counted in bytes from the line start (as editors show ASCII JSON).
        var line: Int?
        var column: Int?
        /// A hint at the usual cause (a conflist saved as .conf, a stray comma).
        var hint: String?

        init(_ message: String, line: Int? = nil, column: Int? = nil, hint: String? = nil) {
            self.message = message
            self.line = line
            self.column = column
            self.hint = hint
        }

        var description: String {
            var s = message
            if let line, let column { s = "line \(line), column \(column): " + s }
            if let hint { s += " (\(hint))" }
            return s
        }
    }

    var path: String
    var format: Format
    /// The network, upconverted to a list for `.conf`/`.json`; nil when `failure` is set.
    var network: NetConfList?
    var failure: Failure?

    /// containerd's limit on a config file (`go-cni` `MaxFileSize`, 2 MiB).
    static let sizeLimit = 2 << 20

    var fileName: String { String(path.split(separator: "/").last ?? Substring(path)) }

    /// The format libcni's `ConfFiles` gives a name: `filepath.Ext` (from the last `.`) must be
    /// exactly `.conflist`, `.conf` or `.json`; anything else (`.bak`, `~`, `.disabled`) is not read.
    static func format(ofFileName name: String) -> Format? {
        guard let dot = name.lastIndex(of: ".") else { return nil }
        return Format(rawValue: String(name[name.index(after: dot)...]))
    }

    init(path: String, format: Format, network: NetConfList? = nil, failure: Failure? = nil) {
        self.path = path
        self.format = format
        self.network = network
        self.failure = failure
    }

    init(path: String, format: Format, bytes: [UInt8]) {
        self.path = path
        self.format = format
        do {
            network = try Self.parse(bytes, format: format)
        } catch {
            failure = error
        }
    }

    static func parse(_ bytes: [UInt8], format: Format) throws(Failure) -> NetConfList {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            let (line, column) = position(of: error.offset, in: bytes)
            throw Failure("invalid JSON: \(error.message)", line: line, column: column, hint: syntaxHint(bytes, error.offset))
        }
        guard let top = value.objectValue else {
            throw Failure("error parsing configuration: expected a JSON object, got \(value.typeName)")
        }
        let version: String
        switch top["cniVersion"] {
        case nil: version = ""
        case .string(let v)?: version = v
        case let other?: throw Failure("error parsing configuration: invalid cniVersion type \(other.typeName)")
        }
        switch format {
        case .conflist:
            guard let rawName = top["name"] else {
                throw Failure("error parsing configuration list: no name", hint: "a .conflist needs \"name\"")
            }
            guard case .string(let name) = rawName else {
                throw Failure("error parsing configuration list: invalid name type \(rawName.typeName)")
            }
            guard let rawPlugins = top["plugins"] else {
                let hint = top["type"] != nil ? "this is a single plugin config: rename it to .conf" : "add a \"plugins\" array"
                throw Failure("no plugin configs found: the list has no \"plugins\"", hint: hint)
            }
            guard let list = rawPlugins.arrayValue else {
                throw Failure("error parsing configuration list: invalid 'plugins' type \(rawPlugins.typeName)")
            }
            guard !list.isEmpty else { throw Failure("error parsing configuration list: no plugins in list") }
            var plugins: [NetConfPlugin] = []
            for (i, item) in list.enumerated() {
                guard let o = item.objectValue else {
                    throw Failure("failed to parse plugin config \(i): expected an object, got \(item.typeName)")
                }
                guard let plugin = NetConfPlugin(o) else {
                    throw Failure("failed to parse plugin config \(i): error parsing configuration: missing 'type'")
                }
                plugins.append(plugin)
            }
            return NetConfList(name: name, cniVersion: version, plugins: plugins)
        case .conf, .json:
            guard let plugin = NetConfPlugin(top) else {
                let hint = top["plugins"] != nil ? "perhaps this is a .conflist? rename it" : nil
                throw Failure("error parsing configuration: missing 'type'", hint: hint)
            }
            let name = top["name"]?.stringValue ?? ""
            return NetConfList(name: name, cniVersion: version, plugins: [plugin])
        }
    }

    /// 1-based line and column of a byte offset.
    static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for b in bytes.prefix(max(0, offset)) {
            if b == 0x0A { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }

    /// The usual hand-editing mistakes, recognised at the error position.
    static func syntaxHint(_ bytes: [UInt8], _ offset: Int) -> String? {
        var k = min(offset, bytes.count) - 1
        while k >= 0, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[k]) { k -= 1 }
        if k >= 0, bytes[k] == UInt8(ascii: ","), offset < bytes.count,
           bytes[offset] == UInt8(ascii: "}") || bytes[offset] == UInt8(ascii: "]") {
            return "trailing comma before it"
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "/") || bytes[offset] == UInt8(ascii: "#") {
            return "JSON has no comments"
        }
        return nil
    }
}
