import LookoutCommands

@main
struct Entrypoint {
    static func main() {
        ReportCommand.main()
    }
}
