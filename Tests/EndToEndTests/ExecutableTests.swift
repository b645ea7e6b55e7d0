import Testing

@Suite struct ExecutablePlaceholder {}
