import CMnl

/// A bounds-checked view of a run of netlink attributes (TLVs). Malformed or truncated attributes
/// end the run; nothing here can trap on a bad kernel reply.
struct NetlinkAttributes: Sequence {
    struct Attribute {
        /// The type without NLA_F_NESTED / NLA_F_NET_BYTEORDER.
        let type: UInt16
        let value: ArraySlice<UInt8>
    }

    private let bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    struct Iterator: IteratorProtocol {
        var remaining: ArraySlice<UInt8>

        mutating func next() -> Attribute? {
            guard let length = remaining.integer(UInt16.self, at: 0),
                  let type = remaining.integer(UInt16.self, at: 2),
                  Int(length) >= 4,
                  let value = remaining.bytes(at: 4, count: Int(length) - 4)
            else { return nil }
            remaining = remaining.suffix(from: netlinkAligned(Int(length)))
            return Attribute(type: type & cmnl_nla_type_mask(), value: value)
        }
    }

    func makeIterator() -> Iterator { Iterator(remaining: bytes) }

    /// The first attribute of `type`.
    subscript(_ type: Int) -> ArraySlice<UInt8>? {
        first { Int($0.type) == type }?.value
    }

    func u8(_ type: Int) -> UInt8? { self[type]?.integer(UInt8.self, at: 0) }
    func u16(_ type: Int) -> UInt16? { self[type]?.integer(UInt16.self, at: 0) }
    func u32(_ type: Int) -> UInt32? { self[type]?.integer(UInt32.self, at: 0) }
    func i32(_ type: Int) -> Int32? { self[type]?.integer(Int32.self, at: 0) }

    /// A string attribute, up to its first NUL or its end (never reads past the attribute).
    func string(_ type: Int) -> String? {
        guard let value = self[type] else { return nil }
        let end = value.firstIndex(of: 0) ?? value.endIndex
        return String(decoding: value[value.startIndex..<end], as: UTF8.self)
    }

    func nested(_ type: Int) -> NetlinkAttributes? { self[type].map(NetlinkAttributes.init) }
}
