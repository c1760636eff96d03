"""The independent solution checker (`corridor check`): written from the contract, it imports only
`corridor.io` (a test enforces it) and verifies a solution workbook against its input family by family."""
