"""Incentive and discipline measures: a closed catalog (each with its legal basis, deciding department,
domain, trigger and maximum duration, proportionate to its trigger). The rating and the list procedures
log the measures a grade or an entry brings; credence.checks applies them to one named organisation,
never to anyone related to it."""
