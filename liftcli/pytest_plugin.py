"""pytest plugin of lift dynamorm (registered through the ``pytest11`` entry point).

The ``dynamodb_local`` fixtures are added with the DynamoDB Local runner.
"""
