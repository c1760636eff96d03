"""Planning studies: the study scenarios (`scenario`), their runs in worker processes or on Dask (`runner`,
`result`), the figures compared (`kpis`), the comparison workbook (`comparison`) and the cost-security
frontier (`pareto`)."""
