import SpectralConv
import Testing
import SpectralTestSupport

@Suite struct PaddingParsingTests {
    @Test(arguments: [("valid", Padding.valid), ("same", .same), ("full", .full), ("SAME", .same), ("Valid", .valid)])
    func keywordsParseCaseInsensitively(text: String, expected: Padding) throws {
        #expect(try Padding(parsing: text) == expected)
        #expect(try Padding(parsing: text, oneDimensional: true) == expected)
    }

    @Test func singleNumberPadsEverySide() throws {
        #expect(try Padding(parsing: "2") == .explicit(top: 2, bottom: 2, left: 2, right: 2))
        #expect(try Padding(parsing: "0") == .explicit(top: 0, bottom: 0, left: 0, right: 0))
        #expect(try Padding(parsing: "2", oneDimensional: true) == .explicit(top: 0, bottom: 0, left: 2, right: 2))
    }

    @Test func twoNumbersAreHeightAndWidthOrLeftAndRightIn1D() throws {
        #expect(try Padding(parsing: "1,2") == .explicit(top: 1, bottom: 1, left: 2, right: 2))
        #expect(try Padding(parsing: "1,2", oneDimensional: true) == .explicit(top: 0, bottom: 0, left: 1, right: 2))
    }

    @Test func fourNumbersAreTopBottomLeftRight() throws {
        #expect(try Padding(parsing: "1,2,3,4") == .explicit(top: 1, bottom: 2, left: 3, right: 4))
        #expect(try Padding(parsing: "0,0,3,4", oneDimensional: true) == .explicit(top: 0, bottom: 0, left: 3, right: 4))
    }

    @Test func whitespaceAroundNumbersAndKeywordsIsIgnored() throws {
        #expect(try Padding(parsing: " 1 , 2 ") == .explicit(top: 1, bottom: 1, left: 2, right: 2))
        #expect(try Padding(parsing: "1,\t2, 3 ,4") == .explicit(top: 1, bottom: 2, left: 3, right: 4))
        #expect(try Padding(parsing: " 3") == .symmetric(3))
        #expect(try Padding(parsing: " same ") == .same)
        #expect(try Padding(parsing: "full\n") == .full)
    }

    @Test(arguments: ["-1", "a", "1,2,3", "", " ", "1,,2", "1,2,3,4,5", "1.5", "1,-2", "same,1", "2x3", ","])
    func malformedTextIsAnInvalidArgument(text: String) {
        expectError(.invalidArgument, mentioning: "padding") { _ = try Padding(parsing: text) }
        expectError(.invalidArgument, mentioning: "padding") { _ = try Padding(parsing: text, oneDimensional: true) }
    }

    @Test func errorMessageQuotesTheTextOrCountsTheNumbers() {
        expectError(.invalidArgument, mentioning: "'a'", "non-negative") { _ = try Padding(parsing: "a") }
        expectError(.invalidArgument, mentioning: "3 numbers", "expected 1, 2 or 4") { _ = try Padding(parsing: "1,2,3") }
    }

    @Test(arguments: [Padding.valid, .same, .full, .symmetric(3), .symmetric(height: 1, width: 2),
                      .explicit(top: 0, bottom: 1, left: 2, right: 3)])
    func descriptionParsesBackToTheSamePadding(padding: Padding) throws {
        #expect(try Padding(parsing: padding.description) == padding)
    }
}
