import DealFlowCore
import DealFlowEngine
import Testing

/// A stage path is split and trimmed byte by byte when it is ASCII, character by character otherwise;
/// both read the same paths.
@Suite struct StagePathTests {
    static func path(_ text: String) -> [String] {
        let csv = "workflow,id,stage_path\nw,d1,\"\(text)\"\n"
        let (rows, problems) = DealImportFile.read(csv, format: .csv)
        guard problems.isEmpty, let row = rows.first else { return problems.map(\.message) }
        return row.stagePath.map { step in
            switch step.at {
            case .instant(let instant): "\(step.stage)@\(DateTimeFormat.iso8601(instant))"
            case .date(let date): "\(step.stage)@\(date)"
            }
        }
    }

    @Test func spacesAroundStagesAndTimesAreIgnored() {
        #expect(
            Self.path(" prospecting @ 2026-01-05T10:00Z ;\tqualification@2026-01-09\t")
                == ["prospecting@2026-01-05T10:00:00Z", "qualification@2026-01-09"]
        )
        #expect(
            Self.path("prospección\u{A0}@\u{A0}2026-01-05T10:00-05:00;cualificación@2026-01-09")
                == ["prospección@2026-01-05T15:00:00Z", "cualificación@2026-01-09"]
        )
        #expect(Self.path("") == [])
    }

    @Test func aPieceThatIsNotStageAtTimeIsRefused() {
        for bad in ["prospecting", "@2026-01-05", "prospecting@noon", "prospecting@2026-01-05;qualification"] {
            #expect(Self.path(bad).count == 1 && Self.path(bad)[0].contains("is not stage@time"), "\(bad)")
        }
    }
}
