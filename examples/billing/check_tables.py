"""What a test run by `lift dynamorm test` sees: every model's table, its indexes and TTL.

Run through `lift dynamorm test -- python check_tables.py`; it reads the variables the runner sets.
"""

import os

import boto3

client = boto3.client("dynamodb", endpoint_url=os.environ["DYNAMODB_ENDPOINT"], region_name=os.environ["AWS_REGION"])
for name in sorted(client.list_tables()["TableNames"]):
    table = client.describe_table(TableName=name)["Table"]
    keys = ", ".join(f"{k['AttributeName']} ({k['KeyType']})" for k in table["KeySchema"])
    gsis = ", ".join(sorted(g["IndexName"] for g in table.get("GlobalSecondaryIndexes", []))) or "-"
    lsis = ", ".join(sorted(i["IndexName"] for i in table.get("LocalSecondaryIndexes", []))) or "-"
    ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"].get("AttributeName", "-")
    print(f"{name}: keys {keys}; GSIs {gsis}; LSIs {lsis}; TTL {ttl}")
print(f"INVOICES_TABLE={os.environ.get('INVOICES_TABLE')}")
