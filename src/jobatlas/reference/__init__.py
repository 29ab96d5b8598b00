"""Reference data: O*NET, SOC 2018, OEWS wages, BLS projections and geography."""
