"""The packer: valid rows into Zoho-sized ZIP batches with their job JSON, the rest into rejects.csv."""
