import java.sql.*;

public class Discover {
    public static void main(String[] args) throws Exception {
        String url = args[0];
        try (Connection c = DriverManager.getConnection(url, "tester", "")) {
            DatabaseMetaData md = c.getMetaData();
            System.out.println("product " + md.getDatabaseProductName() + " " + md.getDatabaseProductVersion());
            try (ResultSet rs = md.getSchemas()) {
                while (rs.next()) System.out.println("schema " + rs.getString("TABLE_SCHEM"));
            }
            try (ResultSet rs = md.getTables(null, "packages", "%", new String[]{"TABLE"})) {
                while (rs.next()) System.out.println("table " + rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME") + " " + rs.getString("TABLE_TYPE") + " " + rs.getString("REMARKS"));
            }
            try (ResultSet rs = md.getColumns(null, "packages", "%", "%")) {
                while (rs.next()) System.out.println("column " + rs.getString("TABLE_NAME") + "." + rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME") + " " + rs.getInt("DATA_TYPE") + " " + rs.getInt("ORDINAL_POSITION"));
            }
            try (ResultSet rs = md.getPrimaryKeys(null, "packages", "user_packages")) {
                while (rs.next()) System.out.println("pk " + rs.getString("COLUMN_NAME"));
            }
            if (args.length > 1) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement(args[1])) {
                    ps.setFetchSize(5);
                    try (ResultSet rs = ps.executeQuery()) {
                        ResultSetMetaData m = rs.getMetaData();
                        int n = 0;
                        while (rs.next()) {
                            StringBuilder b = new StringBuilder("row");
                            for (int i = 1; i <= m.getColumnCount(); i++) b.append(i == 1 ? " " : "|").append(rs.getString(i));
                            System.out.println(b);
                            n++;
                        }
                        System.out.println("rows " + n + " types " + m.getColumnTypeName(1) + "," + m.getColumnTypeName(2));
                    }
                }
                c.commit();
            }
        }
    }
}
