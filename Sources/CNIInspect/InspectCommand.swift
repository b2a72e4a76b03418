import CNISystem

/// `cni-inspect`: explains a node's pod network and finds leaks. (Being written.)
public enum InspectCommand {
    public static func main(_ args: [String], environment: [String: String]) -> Int32 {
        StandardIO.write(Array("cni-inspect: not implemented yet\n".utf8), fd: 2)
        return 1
    }
}
