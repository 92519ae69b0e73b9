"""HubSpot's own OpenAPI documents, served by Stoplight Prism in front of the HubSpot fake."""
