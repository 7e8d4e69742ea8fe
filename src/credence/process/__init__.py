"""Due process: notices before publication, objections, credit repair, and the tick that applies what
is due. Every deadline comes from the injected clock and the working-day calendar."""
