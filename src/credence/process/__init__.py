"""Due process, its parts: notices before publication (`notices`), objections and credit repair
(`repository`), the state machines (`machine`), what a step refuses (`errors`), the audit of grounds
(`audit`), each department's figures (`figures`) and the tick's thread (`schedule`). The list procedures
and the commitments build on these; credence.dueprocess.DueProcess takes every step over them all, with
every deadline from the injected clock and the working-day calendar."""
