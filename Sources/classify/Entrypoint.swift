import LookoutCommands

@main
struct Entrypoint {
    static func main() {
        ClassifyCommand.main()
    }
}
