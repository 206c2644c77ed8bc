"""The yearly registration window: funnel counts, window commands, what each role sees."""
