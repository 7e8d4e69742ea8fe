"""Incentive and discipline measures: a closed catalog (each with its legal basis, deciding department,
domain, trigger and maximum duration, proportionate to its trigger) and the eligibility checks that apply
it to one named organisation, never to anyone related to it."""
