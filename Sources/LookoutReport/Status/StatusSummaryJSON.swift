import Foundation
import LookoutCore

/// StatusSummaryJSON writes `summary.json` in the shape of Atlassian Statuspage's public `/api/v2/summary.json`
/// (page, status, components, incidents with incident_updates, scheduled_maintenances), so widgets and status
/// aggregators read it unchanged. Lookout's own figures ride along under `lookout` keys those readers ignore.
/// The types stay `Encodable`: StatusJSONWriter writes them, and its tests hold it to the encoder's bytes.
public enum StatusSummaryJSON {
    struct Page: Encodable {
        var id: String, name: String, url: String, timeZone: String, updatedAt: String
    }
    struct Status: Encodable { var indicator: String, description: String }
    struct Component: Encodable {
        var id: String, name: String, status: String, createdAt: String, updatedAt: String, position: Int
        var description: String?
        var showcase = true, onlyShowIfDegraded = false, group = false
        var groupId: String? = nil, pageId: String, startDate: String? = nil
        var lookout: ComponentExtra
    }
    struct ComponentExtra: Encodable {
        var state: String
        var availability90d: Double?
        var days: [StatusDay]
    }
    struct Update: Encodable {
        var id: String, status: String, body: String, incidentId: String, createdAt: String, updatedAt: String
        var displayAt: String
        var affectedComponents: [AffectedComponent]
    }
    struct AffectedComponent: Encodable { var code: String, name: String, oldStatus: String, newStatus: String }
    struct Incident: Encodable {
        var id: String, name: String, status: String, impact: String, createdAt: String, updatedAt: String
        var monitoringAt: String? = nil, resolvedAt: String?, shortlink: String? = nil, pageId: String
        var incidentUpdates: [Update]
        var components: [ComponentRef]
        /// The team board's only (additive to Statuspage's shape): the screenshot's copy in the site, or where the
        /// monitor keeps it when there is no copy.
        var screenshot: String? = nil
        var screenshotOnMonitor: String? = nil
    }
    struct ComponentRef: Encodable { var id: String, name: String }
    struct Maintenance: Encodable {
        var id: String, name: String, status: String, impact = "maintenance", createdAt: String, updatedAt: String
        var scheduledFor: String, scheduledUntil: String, pageId: String
        var incidentUpdates: [Update] = []
        var components: [ComponentRef]
    }
    struct Summary: Encodable {
        var page: Page, status: Status, components: [Component], incidents: [Incident]
        var scheduledMaintenances: [Maintenance]
        var lookout: Extra
    }
    struct Extra: Encodable {
        var monitor: MonitorHealth
        var pastIncidents: [Incident]?
        var board: [BoardClient]?
    }
    struct BoardClient: Encodable {
        var client: String, folder: String?, status: String
        var openIncidents: [StatusIncident]
    }

    static func indicator(_ status: ComponentStatus) -> Status {
        switch status {
        case .down: Status(indicator: "major", description: "Major System Outage")
        case .degraded, .flapping: Status(indicator: "minor", description: "Partial System Outage")
        case .maintenance: Status(indicator: "maintenance", description: "Service Under Maintenance")
        case .nodata: Status(indicator: "none", description: "No Recent Data")
        case .up: Status(indicator: "none", description: "All Systems Operational")
        }
    }

    static func impact(_ i: StatusIncident) -> String {
        if i.maintenanceOnly { return "maintenance" }
        switch i.state {
        case "degraded": return "minor"
        case "flapping": return "major"
        default: return i.severity == "critical" ? "critical" : "major"
        }
    }

    /// One incident; `forClient` leaves out what only the team sees (the check, its reason, the deliveries, the
    /// screenshot).
    static func incident(_ i: StatusIncident, pageID: String, components: [StatusComponent], forClient: Bool) -> Incident {
        let affected = components.filter { $0.site == i.site && ($0.check == nil || $0.check == i.check) }
        // Each update's status is the incident's at that moment: a note written after the resolve is still resolved.
        let firstResolved = i.updates.firstIndex { $0.event == "resolved" } ?? i.updates.endIndex
        let updates = i.updates.enumerated().reversed().map { n, u in
            Update(id: "\(i.publicID)-\(n)", status: n >= firstResolved ? "resolved" : n == 0 ? "investigating" : "identified",
                   body: forClient ? u.body : "\(u.body) (\(i.check): \(i.reason))", incidentId: i.publicID,
                   createdAt: u.at, updatedAt: u.at, displayAt: u.at,
                   affectedComponents: affected.map {
                       AffectedComponent(code: $0.id, name: $0.name, oldStatus: "operational",
                                         newStatus: n >= firstResolved ? "operational"
                                             : (i.state == "degraded" ? "degraded_performance" : "major_outage"))
                   })
        }
        let shot = forClient ? nil : i.screenshot
        return Incident(
            id: i.publicID, name: i.sentence, status: i.resolved == nil ? (i.updates.count > 1 ? "identified" : "investigating") : "resolved",
            impact: impact(i), createdAt: i.opened, updatedAt: i.updated, monitoringAt: nil, resolvedAt: i.resolved,
            shortlink: nil, pageId: pageID, incidentUpdates: updates,
            components: affected.map { ComponentRef(id: $0.id, name: $0.name) },
            screenshot: shot?.copy, screenshotOnMonitor: shot?.copy == nil ? shot?.source : nil)
    }

    static func components(_ c: StatusClient, pageID: String, updatedAt: String) -> [Component] {
        c.components.enumerated().map { n, comp in
            Component(id: comp.id, name: comp.name, status: comp.status.statuspage, createdAt: updatedAt,
                      updatedAt: comp.lastResultAt ?? updatedAt, position: n + 1,
                      description: comp.check == nil ? "Site" : "Check", pageId: pageID,
                      lookout: ComponentExtra(state: comp.status.rawValue, availability90d: comp.availability, days: comp.days))
        }
    }

    static func maintenances(_ c: StatusClient, pageID: String, updatedAt: String) -> [Maintenance] {
        c.maintenances.map { m in
            Maintenance(id: StatusBuilder.publicID("\(m.site)/\(m.name)/\(m.start)"), name: "\(m.siteName): \(m.name)",
                        status: m.inProgress ? "in_progress" : "scheduled", createdAt: updatedAt, updatedAt: updatedAt,
                        scheduledFor: m.start, scheduledUntil: m.end, pageId: pageID,
                        components: c.components.filter { $0.site == m.site && $0.check == nil }.map { ComponentRef(id: $0.id, name: $0.name) })
        }
    }

    /// A client's `summary.json`: only that client's components, incidents and windows.
    public static func client(_ client: StatusClient, snapshot: StatusSnapshot) -> String {
        String(decoding: clientSummary(client, snapshot: snapshot).document, as: UTF8.self)
    }

    static func clientSummary(_ client: StatusClient, snapshot: StatusSnapshot) -> Summary {
        let pageID = client.folder
        var monitor = snapshot.monitor
        monitor.results = 0; monitor.incidentLines = 0; monitor.deliveryLines = 0; monitor.linesRejected = 0
        let summary = Summary(
            page: Page(id: pageID, name: client.title, url: "./", timeZone: client.timeZone, updatedAt: snapshot.updatedAt),
            status: indicator(client.status), components: components(client, pageID: pageID, updatedAt: snapshot.updatedAt),
            incidents: client.openIncidents.map { incident($0, pageID: pageID, components: client.components, forClient: true) },
            scheduledMaintenances: maintenances(client, pageID: pageID, updatedAt: snapshot.updatedAt),
            lookout: Extra(monitor: monitor,
                           pastIncidents: client.pastIncidents.map { incident($0, pageID: pageID, components: client.components, forClient: true) },
                           board: nil))
        return summary
    }

    /// The team board's `summary.json`: every client's components and incidents, with the team's details.
    public static func board(_ snapshot: StatusSnapshot) -> String { String(decoding: boardSummary(snapshot).document, as: UTF8.self) }

    static func boardSummary(_ snapshot: StatusSnapshot) -> Summary {
        let pageID = "team"
        let clients = StatusBoard.ordered(snapshot.clients)
        var comps: [Component] = []
        var incidents: [Incident] = []
        var maint: [Maintenance] = []
        for c in clients {
            comps += components(c, pageID: pageID, updatedAt: snapshot.updatedAt).map { var x = $0; x.name = "\(c.name) / \(x.name)"; return x }
            incidents += c.openIncidents.map { incident($0, pageID: pageID, components: c.components, forClient: false) }
            maint += maintenances(c, pageID: pageID, updatedAt: snapshot.updatedAt)
        }
        for k in comps.indices { comps[k].position = k + 1 }
        let worst = snapshot.clients.map(\.status).min() ?? .nodata
        let summary = Summary(
            page: Page(id: pageID, name: snapshot.title, url: "./", timeZone: snapshot.timeZone, updatedAt: snapshot.updatedAt),
            status: snapshot.monitor.stale ? Status(indicator: "critical", description: "Monitor Stale: No Recent Results") : indicator(worst),
            components: comps, incidents: incidents, scheduledMaintenances: maint.sorted { $0.scheduledFor < $1.scheduledFor },
            lookout: Extra(monitor: snapshot.monitor, pastIncidents: nil,
                           board: clients.map { BoardClient(client: $0.name, folder: $0.published ? $0.folder : nil,
                                                            status: $0.status.rawValue, openIncidents: $0.openIncidents) }))
        return summary
    }
}
