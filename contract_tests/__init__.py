"""The contract suite: clauses stating how a real REDCap answers the file API, run against the fake
(in-process, by default) or any server a target file names. See docs/contract-suite.md."""
