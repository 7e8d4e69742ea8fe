"""DueProcess, the one service the edges (CLI, API, web, the server's schedule) call for every step of due
process: notices and their delivery, objections, repair, withdrawal and reinstatement, and `tick`. It holds
the list procedures and the commitments (credence.lists, credence.commitments) and calls them when a record
is withdrawn, reinstated or repaired; the parts it is built from (the machines, notices, objections and
repairs) are credence.process's."""
