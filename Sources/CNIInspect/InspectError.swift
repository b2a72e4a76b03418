/// A failure that ends the inspection, printed as `cni-inspect: <text>`.
struct InspectError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
