import CMnl

/// One nf_tables rule as an NFT_MSG_NEWRULE message describes it (the answer to an
/// NFT_MSG_GETRULE dump): its chain, handle, expressions, the chain it jumps to and its comment.
/// Enough to recognise rules that iptables-nft wrote, by their jump verdict, their comment and
/// the xtables extensions they use, without turning the rule back into iptables text.
package struct NftKernelRule: Equatable, Sendable {
    /// One expression: its name (`match`, `target`, `immediate`, `cmp`, `meta` ...), for an
    /// xtables match or target its extension name (`comment`, `MASQUERADE` ...) and for those
    /// the extension's info struct, for `cmp` the compared value.
    package struct Expression: Equatable, Sendable {
        package let name: String
        package let extensionName: String?
        package let data: [UInt8]

        package init(name: String, extensionName: String? = nil, data: [UInt8] = []) {
            self.name = name
            self.extensionName = extensionName
            self.data = data
        }
    }

    package let chain: String
    package let handle: UInt64
    package let expressions: [Expression]
    /// The chain of the rule's jump or goto verdict.
    package let jump: String?
    /// The rule's comment: iptables-nft's userdata TLV, or an xtables `comment` match.
    package let comment: String?

    package init(chain: String, handle: UInt64 = 0, expressions: [Expression] = [], jump: String? = nil, comment: String? = nil) {
        self.chain = chain
        self.handle = handle
        self.expressions = expressions
        self.jump = jump
        self.comment = comment
    }

    /// The xtables target names of the rule (`MASQUERADE`, `MARK`, `DNAT` ...).
    package var targets: [String] { expressions.filter { $0.name == "target" }.compactMap(\.extensionName) }

    /// The userdata TLV type of a rule comment (libnftnl's NFTNL_UDATA_RULE_COMMENT: the type
    /// iptables-nft and nft write; not in the kernel headers, the kernel keeps userdata opaque).
    static let userdataCommentType: UInt8 = 0

    /// Parses the payload of one NFT_MSG_NEWRULE message (nfgenmsg, then attributes); nil when
    /// it has no chain name.
    init?(payload: ArraySlice<UInt8>) {
        let attributes = NetlinkAttributes(payload.suffix(from: netlinkAligned(4)))
        guard let chain = attributes.string(Int(NFTA_RULE_CHAIN.rawValue)) else { return nil }
        self.chain = chain
        self.handle = attributes[Int(NFTA_RULE_HANDLE.rawValue)]?.integer(UInt64.self, at: 0)?.bigEndian ?? 0
        var expressions: [Expression] = []
        var jump: String?
        var comment = attributes[Int(NFTA_RULE_USERDATA.rawValue)].flatMap(Self.userdataComment)
        for element in attributes.nested(Int(NFTA_RULE_EXPRESSIONS.rawValue)) ?? NetlinkAttributes([])
        where element.type == UInt16(NFTA_LIST_ELEM.rawValue) {
            let expression = NetlinkAttributes(element.value)
            guard let name = expression.string(Int(NFTA_EXPR_NAME.rawValue)) else { continue }
            let data = expression.nested(Int(NFTA_EXPR_DATA.rawValue)) ?? NetlinkAttributes([])
            switch name {
            case "match", "target":
                // NFTA_MATCH_NAME/INFO and NFTA_TARGET_NAME/INFO share their numbers.
                let xtName = data.string(Int(NFTA_MATCH_NAME.rawValue))
                let info = Array(data[Int(NFTA_MATCH_INFO.rawValue)] ?? [])
                if name == "match", xtName == "comment", comment == nil { comment = Self.cString(info[...]) }
                expressions.append(Expression(name: name, extensionName: xtName, data: info))
            case "immediate":
                if let verdict = data.nested(Int(NFTA_IMMEDIATE_DATA.rawValue))?.nested(Int(NFTA_DATA_VERDICT.rawValue)),
                   let code = verdict.i32(Int(NFTA_VERDICT_CODE.rawValue)).map({ Int32(bigEndian: $0) }),
                   code == NFT_JUMP.rawValue || code == NFT_GOTO.rawValue {
                    jump = jump ?? verdict.string(Int(NFTA_VERDICT_CHAIN.rawValue))
                }
                expressions.append(Expression(name: name))
            case "cmp":
                let value = data.nested(Int(NFTA_CMP_DATA.rawValue))?[Int(NFTA_DATA_VALUE.rawValue)]
                expressions.append(Expression(name: name, data: Array(value ?? [])))
            default:
                expressions.append(Expression(name: name))
            }
        }
        self.expressions = expressions
        self.jump = jump
        self.comment = comment
    }

    /// The comment TLV of a rule's userdata ({u8 type, u8 length, value}*), NUL-terminated.
    static func userdataComment(_ bytes: ArraySlice<UInt8>) -> String? {
        var offset = 0
        while let type = bytes.integer(UInt8.self, at: offset), let length = bytes.integer(UInt8.self, at: offset + 1),
              let value = bytes.bytes(at: offset + 2, count: Int(length)) {
            if type == userdataCommentType { return cString(value) }
            offset += 2 + Int(length)
        }
        return nil
    }

    private static func cString(_ bytes: ArraySlice<UInt8>) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }
}
