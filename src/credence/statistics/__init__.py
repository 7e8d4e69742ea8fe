"""The registry in figures, as anyone may see it: what the home page and the statistics page count
(`figures`). Every count goes through the publicity rules of `credence.records.publicity` and the lists'
own: only public records after their notice, public list entries, never a sole proprietor."""
