"""lift dynamorm: keep DynamORM models, DynamoDB tables and infrastructure code in step."""

__version__ = "0.1.0"
