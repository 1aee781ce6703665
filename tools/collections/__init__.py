"""Outside test collections: corpora and judged questions that nobody on the team wrote.

Each module turns a public Danish document set with its own relevance signal
(e.g. a help system's index) into a corpus folder and a `questions.jsonl` for
`casechat eval`, so retrieval changes can be checked on text from another domain.
"""
