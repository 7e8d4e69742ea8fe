"""Lists with a procedure: the serious-dishonesty list (proposed, noticed, answered, decided), the
abnormal-operation list (cured, or escalated after years with a warning) and the honours list. Each entry
is an explicit state machine, has its record in the list's catalog category, and ends by itself."""
