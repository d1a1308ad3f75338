import DealFlowCore
import Mustache
import Synchronization

/// Renders task titles with swift-mustache, as plain text (no HTML escaping: titles are not HTML).
enum TitleRenderer {
    /// The title with the deal's values: fields by name, and `deal`, `owner`, `stage`, `workflow`.
    static func render(_ title: TitleTemplate, deal: Deal, workflow: ValidatedWorkflow) -> String {
        var context: [String: Any] = [
            "deal": deal.id, "owner": deal.owner, "stage": deal.stage, "workflow": workflow.id,
        ]
        for (index, field) in workflow.definition.fields.enumerated() {
            switch deal.fields[index] {
            case .null: continue
            case .bool(let flag): context[field.name] = flag
            case let value: context[field.name] = FieldValues.storedText(value)
            }
        }
        // The validator accepted the title, so it parses; the pragma turns HTML escaping off.
        guard let template = try? MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + title.text) else {
            return title.text
        }
        return template.render(context)
    }
}
