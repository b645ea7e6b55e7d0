// Lookout is the whole pipeline as one import, for programs that embed it: each part stays a target of its own
// (docs/architecture.md), and code inside the package imports only the layers it may use.
@_exported import LookoutClassify
@_exported import LookoutCommands
@_exported import LookoutCore
@_exported import LookoutProbe
@_exported import LookoutReport
@_exported import LookoutRoute
